# tools: operator programs.
