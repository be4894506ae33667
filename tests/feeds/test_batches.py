from tests.factories import entry
from wirehouse.feeds.batches import batches, interleave_by_host


def test_batches_alternate_hosts_so_no_batch_is_one_host():
    entries = [entry(f"http://a.test/{i}") for i in range(4)] + [
        entry(f"http://b.test/{i}") for i in range(4)
    ]
    hosts = [e.url.split("/")[2] for e in interleave_by_host(entries)]
    assert hosts == ["a.test", "b.test"] * 4
    assert [len(b) for b in batches(entries, 3)] == [3, 3, 2]
    assert sorted(e.url for b in batches(entries, 3) for e in b) == sorted(e.url for e in entries)
