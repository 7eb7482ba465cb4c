"""S46 - Deadlock detection on the virtual clock (R10).
Compared through the final "rt run" line."""
import sys

import corral
from corral import log


async def main():
    f = corral.Future()
    log("waiting")
    await f


try:
    corral.run(main(), clock="virtual", trace=1)
except corral.Deadlock:
    sys.exit(0)
sys.exit(3)
