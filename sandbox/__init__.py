"""The sandbox: Keeper's bot, the local Bot API emulator and the sample channel, together offline."""
