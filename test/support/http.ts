// Response bodies in tests are checked by assertions, so they are typed loosely here.
export async function json(response: Response | Promise<Response>): Promise<any> {
  return (await response).json();
}
