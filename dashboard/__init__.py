"""The web dashboard: a page served by docmill's own process (`python -m dashboard`).

It follows the broker as the monitor does (a snapshot, then the `broker.state` events), pushes
the picture to open pages with server-sent events, browses the job store through
`docmill.jobs`, runs quick actions behind a per-home token, and serves /metrics.
"""
