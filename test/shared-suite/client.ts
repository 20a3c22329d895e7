/** The suite's client: sees the wire's Content-Encoding and decodes it itself. */
export { getDecoded as get, type Got } from '../helpers/http-bodies.ts';
