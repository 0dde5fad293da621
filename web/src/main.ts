import { Herald } from "@herald/client";
import { Announcer, describeError } from "./announcer.js";
import { byId, show } from "./dom.js";
import { HeaderView } from "./header-view.js";
import { InboxView } from "./inbox-view.js";
import { RoomsView } from "./rooms-view.js";
import {
  devTokenSource,
  handedOverTokenSource,
  loadPageConfig,
  mintDevToken,
  type PageConfig,
  rememberDevUser,
  rememberedDevUser,
  type TokenSource,
  webSocketUrl,
} from "./session.js";

/**
 * The page's entry point: reads `/config.json`, gets a token source (the
 * development login form, or the token handed over by the embedding app),
 * then connects the SDK and shows the inbox and rooms.
 */

const announcer = new Announcer();

/** Connects as whoever `tokens` gives tokens for, and shows the app. */
function startApp(config: PageConfig, tokens: TokenSource, signOut?: () => void): Herald {
  const herald = new Herald({ url: webSocketUrl(config), getToken: () => tokens.getToken() });
  // While (re)connecting the state line says so; a failed attempt is retried and not worth an alert.
  herald.on("error", (e) => {
    if (herald.state !== "connecting" && herald.state !== "suspended") announcer.error(`${e.message} (${e.code})`);
  });
  new HeaderView(herald).start();
  new InboxView(herald, announcer).start();
  new RoomsView(herald, announcer).start();
  show(byId("app"), true);
  if (signOut) {
    const button = byId<HTMLButtonElement>("sign-out");
    show(button, true);
    button.addEventListener("click", () => {
      herald.disconnect();
      signOut();
    });
  }
  herald.connect();
  return herald;
}

/** Development: the login form; resolves once a user id got a token. */
function devLogin(path: string): Promise<{ userId: string; token: string }> {
  const section = byId("login");
  const form = byId<HTMLFormElement>("login-form");
  const input = byId<HTMLInputElement>("login-user");
  show(section, true);
  input.focus();
  return new Promise((resolve) => {
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const userId = input.value.trim();
      if (!userId) return;
      try {
        const token = await mintDevToken(userId, path); // the id is accepted before the form goes
        announcer.clearError();
        show(section, false);
        resolve({ userId, token });
      } catch (err) {
        announcer.error(describeError(err));
      }
    });
  });
}

async function boot(): Promise<void> {
  const config = await loadPageConfig();
  if (config.mode === "production") {
    const tokens = handedOverTokenSource();
    if (!tokens) return show(byId("no-token"), true);
    startApp(config, tokens);
    return;
  }
  const path = config.devTokenPath ?? "/dev/token";
  const remembered = rememberedDevUser();
  const { userId, token } = remembered ? { userId: remembered, token: undefined } : await devLogin(path);
  rememberDevUser(userId);
  startApp(config, devTokenSource(userId, path, token), () => {
    rememberDevUser(null);
    location.reload();
  });
}

boot().catch((err: unknown) => announcer.error(`The page could not start: ${describeError(err)}`));
