// Shapes of the public API, generated from the server's OpenAPI (``npm run gen:api`` writes
// ./api.d.ts from ../../openapi.json, which ``guiders openapi`` dumps): never written by hand.

import type { components } from "./api";

type Schemas = components["schemas"];

export type Sender = Schemas["Sender"];
export type Chat = Schemas["Chat"];

/** A message as the pages hold it: the server's, with the ``seq`` a socket event carries and the
 * state of a draft the widget is still sending. */
export type Message = Schemas["Message"] & { seq?: number; pending?: boolean; failed?: boolean };
