"""docmill: what every docmill process shares, and the public Python API.

from docmill import Client, Job, JobFailed

with Client(home="docmill-home") as client:
    doc = client.submit("process_document", path="inbox/report.pdf").result(timeout=60)
"""

from docmill.aio import AsyncClient, AsyncJob
from docmill.client import BrokerError, Client, Job, JobFailed

__all__ = ["AsyncClient", "AsyncJob", "BrokerError", "Client", "Job", "JobFailed"]
