"""The WeCom simulator and the SYNTHETIC sandbox corp (see README.md beside this file)."""
