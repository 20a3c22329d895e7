/**
 * Changes a response's headers in place, or on a copy when they are immutable (a platform
 * `fetch` response's are): the body stream moves to the copy untouched.
 */
export function editHeaders(response: Response, edit: (headers: Headers) => void): Response {
  try {
    edit(response.headers);
    return response;
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    const copy = new Response(response.body, response);
    edit(copy.headers);
    return copy;
  }
}
