"""Stress: many producers and consumers with random cancellations and timeouts, every queue
kind; every item whose put completed is got exactly once, and nothing else is got (R27,
R60-R64). Items are ints (INT values) and tuples (HOST values), so both paths are used."""

import random

import pytest

import corral
from conftest import run_v

MS = 0.001

KINDS = [("fifo", lambda: corral.Queue(4)), ("fifo-1", lambda: corral.Queue(1)),
         ("unbounded", lambda: corral.Queue()), ("lifo", lambda: corral.LifoQueue(3)),
         ("priority", lambda: corral.PriorityQueue(5)), ("channel", corral.Channel)]


def run_stress(make, seed, producers=8, consumers=6, per_producer=150):
    rnd = random.Random(seed)
    delivered = []  # items whose put (or put_nowait) completed
    got = []        # items some get returned
    cancels = {"n": 0}

    async def producer(q, pid):
        for k in range(per_producer):
            item = (pid, k) if k % 2 else pid * 100_000 + k
            how = rnd.random()
            if how < 0.2:
                try:
                    if isinstance(q, corral.PriorityQueue):
                        q.put_nowait(item, rnd.randrange(-3, 4))
                    else:
                        q.put_nowait(item)
                    delivered.append(item)
                except (corral.QueueFull, corral.QueueClosed):
                    pass
                await corral.checkpoint()
                continue
            timeout = rnd.choice([None, None, 0, MS, 3 * MS])
            try:
                if isinstance(q, corral.PriorityQueue):
                    await q.put(item, rnd.randrange(-3, 4), timeout=timeout)
                else:
                    await q.put(item, timeout=timeout)
            except corral.Timeout:
                continue
            delivered.append(item)  # the put completed: the item is in the queue's hands
            if rnd.random() < 0.3:
                await corral.sleep(MS / 4)

    async def consumer(q):
        while True:
            how = rnd.random()
            if how < 0.2:
                try:
                    got.append(q.get_nowait())
                except corral.QueueEmpty:
                    pass
                await corral.sleep(rnd.choice([0, MS]))
                continue
            try:
                x = await q.get(timeout=rnd.choice([None, MS, 4 * MS]))
            except corral.Timeout:
                continue
            except corral.QueueClosed:
                return
            got.append(x)  # completion wins: recorded even if a cancel follows

    async def canceller(tasks, q):
        for _ in range(60):
            await corral.sleep(rnd.choice([MS / 4, MS / 2, MS]))
            live = [t for t in tasks if not t.done()]
            if not live:
                return
            victim = rnd.choice(live)
            victim.cancel()
            cancels["n"] += 1
            if victim in cons:  # keep the queue drained: a new consumer replaces it
                c = corral.spawn(consumer, q)
                cons.append(c)
                tasks.append(c)

    cons: list = []

    async def main():
        q = make()
        prods = [corral.spawn(producer, q, p) for p in range(producers)]
        cons.extend(corral.spawn(consumer, q) for _ in range(consumers))
        k = corral.spawn(canceller, prods + cons, q)
        for p in prods:
            try:
                await p
            except corral.TaskCancelled:
                pass
        k.cancel()
        try:
            await k
        except corral.TaskCancelled:
            pass
        # let the consumers drain, then close: the parked ones end with QueueClosed
        while not q.empty():
            await corral.sleep(MS)
        await corral.sleep(10 * MS)
        q.close()
        for c in list(cons):
            try:
                await c
            except corral.TaskCancelled:
                pass
        while True:
            try:
                got.append(q.get_nowait())
            except corral.QueueEmpty:
                break
        r = corral.current_task()._runner
        await corral.checkpoint()
        await corral.checkpoint()
        return len(r._objs)

    leftover = run_v(main())
    return delivered, got, cancels["n"], leftover


@pytest.mark.parametrize("name,make", KINDS, ids=[k for k, _ in KINDS])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_item_put_is_got_exactly_once(name, make, seed):
    delivered, got, ncancel, leftover = run_stress(make, seed)
    assert ncancel >= 10
    assert len(delivered) > 200
    assert len(got) == len(set(map(repr, got))), "an item was got twice"
    assert sorted(map(repr, got)) == sorted(map(repr, delivered)), "items lost or invented"
    assert leftover == 0  # no HOST token lent for an item was leaked
