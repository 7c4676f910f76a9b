"""The HR workspace: certificates of the HR officer's organisation subtree, and their exports."""
