// A small JSON client for the public REST API: every error becomes an ApiError with the server's code.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The field a 422 names (``greetings.en``): a form shows the message beside it. */
    readonly field?: string,
  ) {
    super(message);
  }
}

export type Json = Record<string, unknown>;

export async function request<T = Json>(
  base: string,
  method: string,
  path: string,
  token: string | null,
  body?: unknown,
): Promise<T> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(`${base}/api${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new ApiError(0, "network", `The server cannot be reached (${String(err)})`);
  }
  const text = await response.text();
  let data: Json = {};
  try {
    data = text ? (JSON.parse(text) as Json) : {};
  } catch {
    data = { error: "bad_response", message: text.slice(0, 200) };
  }
  if (!response.ok) {
    throw new ApiError(
      response.status,
      String(data.error ?? "error"),
      String(data.message ?? response.statusText),
      typeof data.field === "string" ? data.field : undefined,
    );
  }
  return data as T;
}

export function uuid(): string {
  if (typeof crypto !== "undefined" && "randomUUID" in crypto) return crypto.randomUUID();
  return "m-" + Math.random().toString(36).slice(2) + Date.now().toString(36);
}
