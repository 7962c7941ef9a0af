/** The few members of the `xhr2` package (an XMLHttpRequest for Node) that the tests use. */
declare module 'xhr2' {
  class XMLHttpRequest {
    setRequestHeader(name: string, value: string): void;
    send(body?: unknown): void;
  }
  export = XMLHttpRequest;
}
