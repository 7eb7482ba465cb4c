"""S52 - A Resource closed from inside its own task (R50, R45, R24)."""
import corral
from corral import format_value as text, log

MS = 0.001


class Server(corral.Resource):
    def __init__(self):
        self._group = corral.Group("srv")
        self._group.spawn(self._loop, name="loop")

    @property
    def async_group(self):
        return self._group

    async def _loop(self):
        await corral.sleep(5 * MS)
        log("closing self")
        self.close()
        try:
            await corral.sleep(1 * MS)
        except corral.Cancelled:
            log("cancelled inside")
            raise


async def main():
    srv = Server()
    await srv.wait_closing()
    log("closing=" + text(srv.is_closing) + " closed=" + text(srv.is_closed))
    await srv.wait_closed()
    log("closed")


corral.run(main(), clock="virtual", trace=1)
