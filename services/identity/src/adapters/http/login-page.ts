import { escapeHtml } from "./provider.js";

export interface LoginPageOptions {
  uid: string;
  /** Shown when the previous attempt failed; one message for every reason. */
  error?: string;
  username?: string;
}

/** A plain form: no script, no external assets, labels tied to inputs, the error announced. */
export function loginPage({ uid, error, username = "" }: LoginPageOptions): string {
  const action = `/interaction/${encodeURIComponent(uid)}/login`;
  const alert = error ? `<p id="login-error" role="alert" class="error">${escapeHtml(error)}</p>` : "";
  const described = error ? ' aria-describedby="login-error" aria-invalid="true"' : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in to Köprü</title>
<style>
body { font-family: system-ui, sans-serif; max-inline-size: 28rem; margin: 3rem auto; padding: 0 1rem; line-height: 1.5; }
label { display: block; margin-block-start: 1rem; font-weight: 600; }
input { display: block; inline-size: 100%; padding: .5rem; font-size: 1rem; box-sizing: border-box; }
button { margin-block-start: 1.5rem; padding: .6rem 1.2rem; font-size: 1rem; }
.error { border-inline-start: .3rem solid #b00020; padding-inline-start: .6rem; color: #7a0016; }
:focus-visible { outline: 3px solid #1a5fb4; outline-offset: 2px; }
</style>
</head>
<body>
<main>
<h1>Sign in to Köprü</h1>
${alert}
<form method="post" action="${escapeHtml(action)}">
<label for="username">Username</label>
<input id="username" name="username" type="text" autocomplete="username" required value="${escapeHtml(username)}"${described}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${described}>
<button type="submit">Sign in</button>
</form>
</main>
</body>
</html>
`;
}

/** The one message for an unknown user, a wrong password and a locked account alike. */
export const LOGIN_FAILED =
  "The username or password is not correct, or the account is locked for a while. Try again later or ask your administrator.";
