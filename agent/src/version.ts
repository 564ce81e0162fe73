/** The agent program's version, reported by `GET /health`. Bump with wire-visible changes. */
export const AGENT_VERSION = '0.1.0';
