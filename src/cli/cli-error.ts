/**
 * A failure the command explains in its message (exit 1, no stack trace): the cause is outside
 * the program — a tool not installed, a port already taken — and the operator can fix it.
 */
export class CliError extends Error {}
