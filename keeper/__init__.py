"""The application: the `keeper` command, composed of the archive's, the bot's and the sandbox's commands."""
