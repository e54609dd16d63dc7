"""Shared-memory rungs: frames live in POSIX shared-memory slots, sockets carry references.

Each stage that sends payloads not yet in a slot owns a pool (``pool``) of segments
(``segments``); a reference names the slot and its generation, readers map it
read-only (``attach``) and give it back with a credit (``credits``). ``endpoint``
puts these together behind the transport's ``Endpoint``; ``capacity`` refuses what
cannot fit before anything is allocated, and ``leftovers`` removes what a dead run
could not.
"""

from scenarios.transport.shm.capacity import preflight
from scenarios.transport.shm.endpoint import ShmEndpoint
from scenarios.transport.shm.leftovers import cleanup_run, remove_leftovers
from scenarios.transport.shm.segments import ShmError

__all__ = ["ShmEndpoint", "ShmError", "cleanup_run", "preflight", "remove_leftovers"]
