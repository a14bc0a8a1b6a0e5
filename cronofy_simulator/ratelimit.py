"""Per-application sliding-window rate limits (50/s and 500/min by default [C DOC-RATE]).

Rejected requests are not counted, so a client that backs off for Retry-After seconds gets
through again [U: Cronofy's exact accounting is undocumented].
"""

import math
import threading
import time
from collections import defaultdict, deque


class RateLimiter:
    def __init__(self, config, clock=time.monotonic):
        self.config = config
        self.clock = clock
        self._lock = threading.Lock()
        self._hits = defaultdict(deque)

    def reset(self):
        with self._lock:
            self._hits.clear()

    def hit(self, key):
        """Count one request for ``key``; return None if allowed, else Retry-After seconds."""
        windows = (
            (1.0, self.config.rate_limit_per_second),
            (60.0, self.config.rate_limit_per_minute),
        )
        with self._lock:
            now = self.clock()
            hits = self._hits[key]
            while hits and hits[0] <= now - 60.0:
                hits.popleft()
            retry_after = 0.0
            for window, limit in windows:
                if limit <= 0:
                    continue  # 0 disables that window
                in_window = [t for t in hits if t > now - window] if window < 60 else hits
                if len(in_window) >= limit:
                    # The request becomes possible once the oldest hit that keeps us at the
                    # limit leaves the window.
                    oldest = in_window[len(in_window) - limit]
                    retry_after = max(retry_after, oldest + window - now)
            if retry_after > 0:
                return max(1, math.ceil(retry_after))
            hits.append(now)
            return None
