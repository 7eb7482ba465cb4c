"""S56 - PersistentTaskGroup used as an object: listing and shutdown() (R52, R42, R48)."""
import corral
from corral import format_value as text, log

MS = 0.001


async def w():
    try:
        await corral.sleep(100 * MS)
    except corral.Cancelled:
        log("W1 cancelled")
        raise


async def f():
    await corral.sleep(5 * MS)
    raise ValueError("f")


async def main():
    pg = corral.PersistentTaskGroup(name="P")
    pg.spawn(w, name="W1")
    pg.spawn(f, name="W2")
    log("live=" + text([g.name for g in corral.all_persistent_groups()]))
    await corral.sleep(10 * MS)
    await pg.shutdown()
    log("live after=" + text([g.name for g in corral.all_persistent_groups()]))


corral.run(main(), clock="virtual", trace=1)
