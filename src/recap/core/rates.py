"""How often one person may write through the pages, for every app's forms that take
`@ratelimit(key="user", rate=WRITE_RATE, method="POST", block=True)`: generous for people at
work, a wall for a script or a thousand clicks on one button (blocked with a 429 page)."""

WRITE_RATE = "120/h"
