"""Whether the sidecar runs, from the heartbeat rows its replicas write (``hub_sidecar.heartbeat``,
sidecar/src/observability/heartbeat.ts; docs/contract.md). Without it Odoo cannot tell a stopped sidecar
from a quiet one: badges would just stay pending."""

# A replica is silent once it missed this many beats: one late beat (a busy database, a GC pause)
# must not raise the alarm...
MISSED_BEATS = 3
# ...and never sooner than this, whatever its interval: the dashboard promises a banner after about
# a minute of silence, not a flickering one.
MIN_SILENCE_SECONDS = 60

STATES = ("live", "silent", "stopped", "never", "unknown")


def silence_threshold(interval_seconds):
    """Seconds without a beat after which a replica beating every ``interval_seconds`` is silent."""
    return max(MIN_SILENCE_SECONDS, MISSED_BEATS * max(1, int(interval_seconds or 1)))


def liveness(rows):
    """The sidecar's state from its heartbeat rows, or ``None`` when they could not be read.

    Each row: ``version``, ``beat_at`` (its last beat or its stop), ``age_seconds`` (database time
    since then), ``interval_seconds``, ``stopped`` (stopped gracefully). Returns ``state`` (one of
    STATES), ``live_replicas``, ``version`` (of the live replicas, several during a rolling update;
    else of the last replica heard), ``last_beat_at`` and ``silent_seconds`` (None while live).
    """
    if rows is None:
        return _status("unknown")
    if not rows:
        return _status("never")
    live = [row for row in rows if not row["stopped"] and row["age_seconds"] <= silence_threshold(row["interval_seconds"])]
    newest = min(rows, key=lambda row: row["age_seconds"])
    heard = live or [newest]
    state = "live" if live else "stopped" if newest["stopped"] else "silent"
    return _status(
        state,
        live_replicas=len(live),
        version=", ".join(sorted({row["version"] for row in heard})),
        last_beat_at=newest["beat_at"],
        silent_seconds=None if live else max(0, int(newest["age_seconds"])),
        since_seconds=max(0, int(newest["age_seconds"])),
    )


def _status(state, live_replicas=0, version=None, last_beat_at=None, silent_seconds=None, since_seconds=None):
    return {
        "state": state,
        "live_replicas": live_replicas,
        "version": version,
        "last_beat_at": last_beat_at,
        "silent_seconds": silent_seconds,
        "since_seconds": since_seconds,
    }


def duration_words(seconds):
    """``seconds`` as people say it on a status line: "45 s", "5 min", "3 h", "2 days"."""
    seconds = max(0, int(seconds))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 2 * 3600:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"
