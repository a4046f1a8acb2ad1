// A chat's status and priority as a person reads them. The API's values (PENDING, ASSIGNED, …;
// LOW … URGENT) stay as they are on the wire; every page that shows one shows the word from
// here, so the console's lists, chat header and visitor panel and the dashboard's charts all
// say the same thing. "Waiting" for PENDING matches how the console already speaks of the
// queue ("Nobody is waiting").

import type { Chat } from "./types";

export type ChatStatus = Chat["status"];

const WORDS: Record<ChatStatus, string> = {
  PENDING: "Waiting",
  ASSIGNED: "Assigned",
  ACTIVE: "Active",
  TRANSFERRED: "Transferred",
  CLOSED: "Closed",
  ABANDONED: "Abandoned",
};

/** The word for a status; one this build does not know yet (a newer server) is still shown as
 * a word ("ON_HOLD" -> "On hold"), never in capitals. */
export function statusLabel(status: string): string {
  const known = (WORDS as Record<string, string | undefined>)[status];
  return known ?? asWords(status);
}

/** A chat's priority as a word ("HIGH" -> "High"). */
export function priorityLabel(priority: string): string {
  return asWords(priority);
}

function asWords(value: string): string {
  const words = value.replace(/_/g, " ").trim().toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
