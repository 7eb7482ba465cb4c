"""S45 - First signal cancels main, later signals are ignored (R51, R32).
Compared through the final "rt run" line."""
import signal
import sys

import corral
from corral import log

MS = 0.001


async def task_h():
    await corral.sleep(10 * MS)
    corral.inject_signal(signal.SIGINT)  # cancels main (cause SIGNAL)
    await corral.sleep(2 * MS)
    corral.inject_signal(signal.SIGINT)  # ignored


async def main():
    corral.spawn(task_h, name="H")
    try:
        await corral.sleep(100 * MS)
    finally:
        with corral.shield():
            await corral.sleep(5 * MS)
            log("main cleanup")


try:
    corral.run(main(), clock="virtual", trace=1)
except KeyboardInterrupt:  # a run ended by a signal raises KeyboardInterrupt
    sys.exit(0)
sys.exit(3)
