interface Cookie {
  name: string;
  value: string;
  path: string;
}

/**
 * Just enough of a browser's cookie handling to walk the provider's login pages on one host: name,
 * value and path; an expired or emptied cookie is dropped.
 */
export class CookieJar {
  #cookies: Cookie[] = [];

  store(response: Response, url: URL): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair = "", ...attributes] = header.split(";");
      const eq = pair.indexOf("=");
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      let path = url.pathname.replace(/\/[^/]*$/, "") || "/";
      let expired = value === "";
      for (const attribute of attributes) {
        const [key = "", raw = ""] = attribute.split("=");
        const lower = key.trim().toLowerCase();
        if (lower === "path") path = raw.trim() || "/";
        if (lower === "max-age" && Number(raw) <= 0) expired = true;
        if (lower === "expires" && Date.parse(raw) <= Date.now()) expired = true;
      }
      this.#cookies = this.#cookies.filter((cookie) => !(cookie.name === name && cookie.path === path));
      if (!expired) this.#cookies.push({ name, value, path });
    }
  }

  header(url: URL): string | undefined {
    const matching = this.#cookies.filter(
      (cookie) =>
        url.pathname === cookie.path ||
        url.pathname.startsWith(cookie.path.endsWith("/") ? cookie.path : `${cookie.path}/`),
    );
    return matching.length
      ? matching.map((cookie) => `${cookie.name}=${cookie.value}`).join("; ")
      : undefined;
  }
}
