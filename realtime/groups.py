"""Channel-layer group names: built only here, never from user input."""


def workspace_group(workspace_id: int) -> str:
    """The group every dashboard of one workspace listens to, e.g. `workspace.12`."""
    return f"workspace.{int(workspace_id)}"
