"""The Python azure-storage-blob SDK's side of perf/azure_bench.sh, as its documentation says to use it for
throughput: upload_blob / download_blob with max_concurrency for one large blob, a pool of threads for many
small ones. Under Debian's /usr/bin/python3; the account from AZURE_STORAGE_CONNECTION_STRING.

    azure_sdk_bench.py put-one CONTAINER BLOB FILE | get-one CONTAINER BLOB FILE
    azure_sdk_bench.py put-many CONTAINER PREFIX DIR | get-many CONTAINER PREFIX DIR"""

import os
import sys
from concurrent.futures import ThreadPoolExecutor

from azure.storage.blob import BlobServiceClient

CONCURRENCY = 16


def main(command, container, name, path):
    service = BlobServiceClient.from_connection_string(os.environ["AZURE_STORAGE_CONNECTION_STRING"],
                                                       max_block_size=8 << 20, max_single_put_size=8 << 20)
    blobs = service.get_container_client(container)
    if command == "put-one":
        with open(path, "rb") as data:
            blobs.upload_blob(name, data, overwrite=True, max_concurrency=CONCURRENCY)
    elif command == "get-one":
        with open(path, "wb") as out:
            blobs.download_blob(name, max_concurrency=CONCURRENCY).readinto(out)
    elif command == "put-many":
        def put(f):
            with open(os.path.join(path, f), "rb") as data:
                blobs.upload_blob(name + f, data, overwrite=True)
        with ThreadPoolExecutor(CONCURRENCY) as pool:
            list(pool.map(put, sorted(os.listdir(path))))
    elif command == "get-many":
        os.makedirs(path, exist_ok=True)

        def get(blob):
            with open(os.path.join(path, blob[len(name):]), "wb") as out:
                blobs.download_blob(blob).readinto(out)
        with ThreadPoolExecutor(CONCURRENCY) as pool:
            list(pool.map(get, [b.name for b in blobs.list_blobs(name_starts_with=name)]))
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main(*sys.argv[1:])
