// Test helpers: a cookie jar standing in for a browser's (one host; paths and expiry aside, every
// cookie is sent everywhere), and a client of the API that keeps one, as the fault suites' users.

/** The cookies one browser holds for one host. */
export class CookieJar {
  readonly cookies = new Map<string, string>();

  /** The Cookie header value. */
  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  /** Takes the Set-Cookie lines of `res`: a cleared or expired cookie is dropped. */
  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const index = pair.indexOf('=');
      const name = pair.slice(0, index).trim();
      const value = pair.slice(index + 1).trim();
      const expires = attributes.find((attribute) => /^\s*expires=/i.test(attribute));
      const expired = expires !== undefined && Date.parse(expires.split('=')[1]!) <= Date.now();
      if (value === '' || expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
}

/** An answer of the API: its body as text, and parsed when it is JSON. */
export interface ApiAnswer {
  status: number;
  json: any;
  text: string;
  headers: Headers;
}

/** A cookie-keeping client of the API at `url`. */
export class CookieClient {
  readonly jar = new CookieJar();

  /** @param timeoutMs how long each request may take. */
  constructor(
    readonly url: string,
    private readonly timeoutMs = 10_000,
  ) {}

  async send(method: 'GET' | 'POST', path: string, body?: object): Promise<ApiAnswer> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: { cookie: this.jar.header(), ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    this.jar.take(res);
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, json, text, headers: res.headers };
  }
}
