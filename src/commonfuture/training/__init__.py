"""Leadership training: lead a collaboration quarter by quarter, then compare."""
