"""S75 - The second signal escalates: shields are cancelled (R51, R28, R32)."""
import signal
import sys

import corral
from corral import log

MS = 0.001


async def task_h():
    await corral.sleep(10 * MS)
    corral.inject_signal(signal.SIGINT)  # cancels main (cause SIGNAL)
    await corral.sleep(2 * MS)
    corral.inject_signal(signal.SIGINT)  # escalates: every shield is cancelled
    log("H sent two")


async def main():
    corral.spawn(task_h, name="H")
    try:
        await corral.sleep(100 * MS)
    finally:
        with corral.shield():
            try:
                await corral.sleep(5 * MS)
                log("cleanup done")
            except corral.Cancelled:
                log("cleanup cut")
                raise
        log("after shield")


try:
    corral.run(main(), clock="virtual", trace=1, escalate_signals=True)
except KeyboardInterrupt:  # a run ended by a signal raises KeyboardInterrupt
    sys.exit(0)
sys.exit(3)
