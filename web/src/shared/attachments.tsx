// Files in chats (images and PDFs), for the widget and the console alike: upload as multipart,
// and show a file fetched with the caller's token (an <img src> could not carry it), as an
// object URL. The server decides the type from the content; the name is only shown as text.

import { useEffect, useState } from "preact/hooks";
import { ApiError } from "./http";
import type { Message } from "./types";

export const ACCEPT = "image/png,image/jpeg,image/gif,image/webp,application/pdf";

export interface AttachmentInfo {
  id: string;
  name: string;
  contentType: string;
  size: number;
  url: string;
}

/** The attachment a message carries, if its metadata has a well-formed one (of our API). */
export function attachmentOf(m: Message): AttachmentInfo | null {
  const a = (m.metadata || {}).attachment as Partial<AttachmentInfo> | undefined;
  if (!a || typeof a !== "object") return null;
  if (typeof a.id !== "string" || typeof a.name !== "string" || typeof a.contentType !== "string") return null;
  if (typeof a.url !== "string" || !/^\/api\/v2\/attachments\/[0-9a-f-]{36}$/.test(a.url)) return null;
  return { id: a.id, name: a.name, contentType: a.contentType, size: Number(a.size) || 0, url: a.url };
}

export async function uploadFile(base: string, token: string, chatId: string, file: File): Promise<Message> {
  const form = new FormData();
  form.append("chatId", chatId);
  form.append("file", file, file.name);
  let response: Response;
  try {
    response = await fetch(`${base}/api/v2/attachments`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
  } catch (err) {
    throw new ApiError(0, "network", `The server cannot be reached (${String(err)})`);
  }
  const data = (await response.json().catch(() => ({}))) as { message?: unknown; error?: string };
  if (!response.ok) {
    throw new ApiError(response.status, String(data.error ?? "error"), String(data.message ?? response.statusText));
  }
  return data.message as Message;
}

function size(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1024))} KB`;
}

/** An image shown inline, a PDF as a download link; fetched with the token, never by URL alone. */
export function AttachmentView({ info, base, token }: { info: AttachmentInfo; base: string; token: () => Promise<string> }) {
  const [href, setHref] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let url: string | null = null;
    let live = true;
    (async () => {
      try {
        const response = await fetch(`${base}${info.url}`, { headers: { authorization: `Bearer ${await token()}` } });
        if (!response.ok) throw new Error(String(response.status));
        url = URL.createObjectURL(await response.blob());
        if (live) setHref(url);
      } catch {
        if (live) setFailed(true);
      }
    })();
    return () => {
      live = false;
      if (url) URL.revokeObjectURL(url);
    };
  }, [info.url]);
  const image = info.contentType.startsWith("image/");
  if (failed) return <span class="attachment failed">{info.name} (unavailable)</span>;
  if (!href) return <span class="attachment loading">{info.name}…</span>;
  return image ? (
    <a class="attachment image" href={href} target="_blank" rel="noopener noreferrer">
      <img src={href} alt={info.name} style="max-width:220px;max-height:220px;display:block;border-radius:6px" />
    </a>
  ) : (
    <a class="attachment file" href={href} download={info.name}>
      📄 {info.name} · {size(info.size)}
    </a>
  );
}
