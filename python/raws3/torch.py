"""PyTorch datasets over S3 objects.

    from raws3.torch import S3MapDataset, S3IterableDataset
    ds = S3IterableDataset.from_prefix("s3://bucket/train/", transform=decode)
    loader = torch.utils.data.DataLoader(ds, batch_size=64, num_workers=4)

Each item is ``transform(key, view)``: ``view`` a memoryview over the object's bytes as they landed (no
copy); the default transform returns ``(key, uint8 tensor over those bytes)``. With worker processes the
result crosses to the main process by pickling, so it must be picklable. Objects are sharded over
DataLoader workers and ``torch.distributed`` ranks (the iterable dataset does it; the map dataset leaves
it to the sampler, as map datasets do), and fetched many at a time: the iterable dataset keeps
``prefetch`` GETs in flight, the map dataset fetches a batch at once through ``__getitems__``.
"""

from __future__ import annotations

from collections import deque
from typing import Any, Callable, Deque, Iterable, Iterator, List, Optional, Sequence, Tuple

import torch
import torch.utils.data

from ._uri import parse
from .client import Client, default_client

__all__ = ["S3MapDataset", "S3IterableDataset", "default_transform"]

Transform = Callable[[str, memoryview], Any]


def default_transform(key: str, view: memoryview) -> Any:
    """(key, a uint8 tensor sharing the view's memory)."""
    return key, torch.frombuffer(view, dtype=torch.uint8) if len(view) else torch.empty(0, dtype=torch.uint8)


def _listed(client: Client, uri: str) -> List[str]:
    return [o.uri for o in client.list(uri, recursive=True) if not o.key.endswith("/")]


def _rank_and_world() -> Tuple[int, int]:
    dist = torch.distributed
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


class _Base:
    def __init__(self, uris: Sequence[str], transform: Optional[Transform], client: Optional[Client]):
        self._uris = list(uris)
        self._transform = transform or default_transform
        self._client = client

    @property
    def client(self) -> Client:
        # The default client is made where it is first used: in a worker, after the fork.
        return self._client if self._client is not None else default_client()

    @property
    def uris(self) -> List[str]:
        return list(self._uris)

    def _item(self, uri: str, view: memoryview) -> Any:
        return self._transform(parse(uri).key, view)


class S3MapDataset(_Base, torch.utils.data.Dataset):
    """A map-style dataset: item i is object i of the list (sorted by key when listed)."""

    @classmethod
    def from_prefix(cls, uri: str, transform: Optional[Transform] = None,
                    client: Optional[Client] = None) -> "S3MapDataset":
        """Every object under s3://bucket/prefix, listed once, here."""
        return cls(_listed(client or default_client(), uri), transform, client)

    @classmethod
    def from_objects(cls, uris: Iterable[str], transform: Optional[Transform] = None,
                     client: Optional[Client] = None) -> "S3MapDataset":
        return cls(list(uris), transform, client)

    def __len__(self) -> int:
        return len(self._uris)

    def __getitem__(self, index: int) -> Any:
        uri = self._uris[index]
        return self._item(uri, self.client.get_bytes_view(uri, writable=True))

    def __getitems__(self, indices: Sequence[int]) -> List[Any]:
        """A batch, its GETs all in flight at once (DataLoader calls this where torch has it)."""
        c = self.client
        pending = [(self._uris[i], c.start_get(self._uris[i], writable=True)) for i in indices]
        return [self._item(uri, p.result()) for uri, p in pending]


class S3IterableDataset(_Base, torch.utils.data.IterableDataset):
    """An iterable dataset: each DataLoader worker of each rank yields its share of the objects (every
    object exactly once overall), with ``prefetch`` GETs in flight."""

    def __init__(self, uris: Sequence[str], transform: Optional[Transform] = None,
                 client: Optional[Client] = None, prefetch: int = 32):
        super().__init__(uris, transform, client)
        self._prefetch = max(1, prefetch)

    @classmethod
    def from_prefix(cls, uri: str, transform: Optional[Transform] = None, client: Optional[Client] = None,
                    prefetch: int = 32) -> "S3IterableDataset":
        return cls(_listed(client or default_client(), uri), transform, client, prefetch)

    @classmethod
    def from_objects(cls, uris: Iterable[str], transform: Optional[Transform] = None,
                     client: Optional[Client] = None, prefetch: int = 32) -> "S3IterableDataset":
        return cls(list(uris), transform, client, prefetch)

    def _share(self) -> List[str]:
        rank, world = _rank_and_world()
        info = torch.utils.data.get_worker_info()
        workers, worker = (info.num_workers, info.id) if info is not None else (1, 0)
        shard, shards = rank * workers + worker, world * workers
        return self._uris[shard::shards]

    def __iter__(self) -> Iterator[Any]:
        c = self.client
        window: Deque[Tuple[str, Any]] = deque()
        for uri in self._share():
            window.append((uri, c.start_get(uri, writable=True)))
            if len(window) >= self._prefetch:
                first, pending = window.popleft()
                yield self._item(first, pending.result())
        for first, pending in window:
            yield self._item(first, pending.result())
