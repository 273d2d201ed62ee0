"""Makes the null S3 (perf/nulls3.conf) look like a bucket of COUNT objects PREFIX + obj%06d, each a copy
of SOURCE: GET/HEAD of any key serve DATA/object, and ListObjectsV2 pages (1,000 keys each, page N asked
for with continuation-token=N) list those keys with nginx's own ETag for the file, so that a client that
sends If-Match with a listed ETag gets the object.

  python3 perf/nulls3_fill.py DATA_DIR SOURCE PREFIX COUNT
"""
import os
import shutil
import sys
import time

data, source, prefix, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
obj = os.path.join(data, "object")
shutil.copyfile(source, obj + ".new")
os.replace(obj + ".new", obj)
st = os.stat(obj)
etag = f'"{int(st.st_mtime):x}-{st.st_size:x}"'.replace('"', "&quot;")
modified = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(st.st_mtime))
pages = os.path.join(data, "list")
shutil.rmtree(pages, ignore_errors=True)
os.makedirs(pages)
per_page = 1000
npages = max(1, -(-count // per_page))
for page in range(npages):
    keys = range(page * per_page, min(count, (page + 1) * per_page))
    more = page + 1 < npages
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">',
             f"<Name>bucket</Name><Prefix>{prefix}</Prefix><KeyCount>{len(keys)}</KeyCount>",
             f"<MaxKeys>{per_page}</MaxKeys><IsTruncated>{'true' if more else 'false'}</IsTruncated>"]
    if more:
        parts.append(f"<NextContinuationToken>{page + 1}</NextContinuationToken>")
    for i in keys:
        parts.append(f"<Contents><Key>{prefix}obj{i:06d}</Key><LastModified>{modified}</LastModified>"
                     f"<ETag>{etag}</ETag><Size>{st.st_size}</Size><StorageClass>STANDARD</StorageClass></Contents>")
    parts.append("</ListBucketResult>\n")
    with open(os.path.join(pages, f"{page}.xml"), "w") as f:
        f.write("".join(parts))
