"""The Azure SDK's view of Azurite, for test_azure: Debian's azure-storage-blob, which the interpreter that
runs the tests may lack, so test_azure runs this under /usr/bin/python3.

    azure_sdk.py get CONTAINER BLOB FILE        the blob's bytes into FILE; prints its properties (JSON)
    azure_sdk.py put CONTAINER BLOB FILE        FILE's bytes as a block blob (in blocks of 4 MiB)
    azure_sdk.py list CONTAINER PREFIX          the blob names under PREFIX (JSON list)
    azure_sdk.py exists CONTAINER BLOB          prints true or false
    azure_sdk.py sas CONTAINER                  a container SAS token (read, write, list, delete; an hour)

The account comes from AZURE_STORAGE_CONNECTION_STRING."""

import datetime
import json
import os
import sys

from azure.storage.blob import BlobServiceClient, ContainerSasPermissions, generate_container_sas


def main(argv):
    service = BlobServiceClient.from_connection_string(os.environ["AZURE_STORAGE_CONNECTION_STRING"],
                                                       max_single_put_size=4 << 20, max_block_size=4 << 20)
    command, container = argv[0], argv[1]
    if command == "get":
        blob = service.get_blob_client(container, argv[2])
        with open(argv[3], "wb") as out:
            blob.download_blob().readinto(out)
        p = blob.get_blob_properties()
        print(json.dumps({"size": p.size, "blob_type": str(p.blob_type), "content_type": p.content_settings.content_type,
                          "metadata": p.metadata, "etag": p.etag}))
    elif command == "put":
        with open(argv[3], "rb") as data:
            service.get_blob_client(container, argv[2]).upload_blob(data, overwrite=True)
    elif command == "list":
        names = [b.name for b in service.get_container_client(container).list_blobs(name_starts_with=argv[2])]
        print(json.dumps(names))
    elif command == "exists":
        print("true" if service.get_blob_client(container, argv[2]).exists() else "false")
    elif command == "sas":
        print(generate_container_sas(service.account_name, container, account_key=service.credential.account_key,
                                     permission=ContainerSasPermissions(read=True, write=True, list=True, delete=True),
                                     expiry=datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)))
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main(sys.argv[1:])
