import { describe, expect, it } from "vitest";
import { parseForm } from "./browser.js";
import { CookieJar } from "./cookie-jar.js";
import { cachingTokenSource } from "./token-source.js";

describe("parseForm", () => {
  it("reads the first form's action and fields, entities decoded", () => {
    const form = parseForm(`<h1>x</h1><form id="f" method="post" action="/interaction/a&amp;b/login">
      <input type="hidden" name="xsrf" value="t&quot;1"/>
      <input id="username" name="username" type="text" value="">
      <input type="password" name="password" required></form><form action="/other"></form>`);
    expect(form).toEqual({
      action: "/interaction/a&b/login",
      fields: { xsrf: 't"1', username: "", password: "" },
    });
    expect(parseForm("<p>no form</p>")).toBeUndefined();
  });
});

describe("CookieJar", () => {
  const response = (...cookies: string[]) => {
    const headers = new Headers();
    for (const cookie of cookies) headers.append("set-cookie", cookie);
    return new Response(null, { headers });
  };

  it("sends a cookie only under its path, and forgets an expired one", () => {
    const jar = new CookieJar();
    const base = new URL("http://127.0.0.1/auth");
    jar.store(response("_session=s1; path=/; httponly", "_interaction=i1; path=/interaction/abc"), base);
    expect(jar.header(new URL("http://127.0.0.1/token"))).toBe("_session=s1");
    expect(jar.header(new URL("http://127.0.0.1/interaction/abc/login"))).toBe(
      "_session=s1; _interaction=i1",
    );
    expect(jar.header(new URL("http://127.0.0.1/interaction/abcdef"))).toBe("_session=s1");
    jar.store(response("_interaction=; path=/interaction/abc; expires=Thu, 01 Jan 1970 00:00:00 GMT"), base);
    expect(jar.header(new URL("http://127.0.0.1/interaction/abc"))).toBe("_session=s1");
  });
});

describe("cachingTokenSource", () => {
  it("asks once per audience until the token nears expiry, however many callers wait", async () => {
    let now = 0;
    let calls = 0;
    const source = cachingTokenSource(
      async (audience) => {
        calls++;
        return { access_token: `${audience}-${calls}`, token_type: "bearer", expires_in: 300 } as never;
      },
      () => now,
    );
    const [a, b] = await Promise.all([source.token("urn:kopru:intake"), source.token("urn:kopru:intake")]);
    expect(a).toBe(b);
    expect(calls).toBe(1);
    now = 269_000;
    expect(await source.token("urn:kopru:intake")).toBe(a);
    now = 271_000;
    expect(await source.token("urn:kopru:intake")).not.toBe(a);
    expect(calls).toBe(2);
  });
});
