// One greeting, never two (docs/web.md, visitor behaviours). The widget's own greeting (the
// company's, per language) fills the log until the bot's welcome arrives; the bot's welcome
// then takes its place, and a second welcome (two bot deployments, each with its own key, both
// greeting a new chat) is not shown. An agent's console still shows every message.
import type { Message } from "../shared/types";

export function isWelcome(m: Message): boolean {
  return m.metadata?.isWelcome === true;
}

/** The messages to show, without any bot welcome after the first. */
export function withOneWelcome(messages: Message[]): Message[] {
  const first = messages.findIndex(isWelcome);
  return first === -1 ? messages : messages.filter((m, i) => i <= first || !isWelcome(m));
}

/** The widget's own greeting, or "" once the bot has welcomed the visitor in this chat. */
export function shownGreeting(greeting: string | undefined, messages: Message[]): string {
  return greeting && !messages.some(isWelcome) ? greeting : "";
}
