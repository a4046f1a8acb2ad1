// Where the e-mail capture form goes when nobody can answer now. The form itself (validated,
// optional, with its consent line; POST /v2/visitors/me/email) is the continue-by-e-mail work:
// it registers itself with provideEmailCapture and appears here. Until it does, the slot shows
// the prompt only.

import type { JSX } from "preact";

export interface EmailCaptureProps {
  chatId: string | null;
  language: string;
  prompt: string;
}

let capture: ((props: EmailCaptureProps) => JSX.Element) | null = null;

export function provideEmailCapture(component: (props: EmailCaptureProps) => JSX.Element): void {
  capture = component;
}

export function EmailCaptureSlot(props: EmailCaptureProps) {
  return (
    <div class="email-slot">
      {capture ? capture(props) : <div class="email-prompt">{props.prompt}</div>}
    </div>
  );
}
