"""Analytics over the warehouse: claim success, ROI, portfolio value (not built yet)."""
