"""The watcher: folders in, one job per complete file out (DESIGN §1)."""

from docmill.watch_settings import FolderSettings, WatcherSettings
from watcher.watcher import Watcher

__all__ = ["FolderSettings", "Watcher", "WatcherSettings"]
