export const STYLE = `
:host { all: initial; }
* { box-sizing: border-box; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
.launcher { position: fixed; right: 20px; bottom: 20px; width: 58px; height: 58px; border-radius: 50%;
  border: 0; background: #2563eb; color: #fff; font-size: 26px; cursor: pointer;
  box-shadow: 0 6px 20px rgba(0,0,0,.25); z-index: 2147483000; }
.panel { position: fixed; right: 20px; bottom: 90px; width: 370px; max-width: calc(100vw - 40px);
  height: 600px; max-height: calc(100vh - 110px); background: #fff; border-radius: 14px;
  box-shadow: 0 12px 40px rgba(0,0,0,.25); display: flex; flex-direction: column; overflow: hidden;
  z-index: 2147483000; font-size: 14px; color: #111827; }
.head { position: relative; background: #2563eb; color: #fff; padding: 12px 44px 12px 14px; flex-shrink: 0; }
.head-close { position: absolute; top: 8px; right: 8px; width: 32px; height: 32px; border: 0; border-radius: 8px;
  background: transparent; color: inherit; font-size: 22px; line-height: 1; cursor: pointer; }
.head-close:hover { background: rgba(255,255,255,.15); }
.launcher .icon { display: block; margin: auto; }
.head b { display: block; font-size: 15px; }
.head small { opacity: .85; }
.log { flex: 1; min-height: 140px; overflow-y: auto; padding: 12px; background: #f8fafc; display: flex; flex-direction: column; gap: 8px; }
.msg { max-width: 80%; padding: 8px 10px; border-radius: 12px; white-space: pre-wrap; word-wrap: break-word; line-height: 1.35; }
.msg .who { display: block; font-size: 11px; opacity: .7; margin-bottom: 2px; }
.mine { align-self: flex-end; background: #2563eb; color: #fff; border-bottom-right-radius: 4px; }
.theirs { align-self: flex-start; background: #e5e7eb; border-bottom-left-radius: 4px; }
.ai { background: #ede9fe; }
.system { align-self: center; background: transparent; color: #6b7280; font-size: 12px; text-align: center; }
.pending { opacity: .6; }
.failed { outline: 2px solid #dc2626; }
.retry { display: block; margin-top: 4px; background: none; border: 0; color: inherit; text-decoration: underline; font-size: 11px; cursor: pointer; padding: 0; }
.card { align-self: flex-start; max-width: 85%; background: #fff; border: 1px solid #d1d5db; border-radius: 12px; padding: 10px; }
.card b { display: block; margin-bottom: 4px; }
.card a { color: #2563eb; }
.sources { display: flex; flex-wrap: wrap; gap: 4px 8px; margin-top: 6px; font-size: 12px; white-space: normal; }
.sources-label { opacity: .7; }
.source { color: #2563eb; text-decoration: underline; word-break: break-word; }
span.source { color: inherit; text-decoration: none; }
.typing { font-size: 12px; color: #6b7280; padding: 2px 12px; min-height: 18px; background: #f8fafc; }
.bar { display: flex; gap: 6px; padding: 8px; border-top: 1px solid #e5e7eb; }
.bar input { flex: 1; padding: 9px 10px; border: 1px solid #d1d5db; border-radius: 8px; font-size: 14px; }
button.send { background: #2563eb; color: #fff; border: 0; border-radius: 8px; padding: 0 14px; cursor: pointer; }
.attach { position: relative; display: flex; align-items: center; padding: 0 6px; cursor: pointer; font-size: 18px; color: #4b5563; border-radius: 8px; }
.attach input.file { position: absolute; width: 1px; height: 1px; opacity: 0; overflow: hidden; clip: rect(0 0 0 0); }
.attach:focus-within { outline: 2px solid #2563eb; outline-offset: 1px; }
.attachment img { max-width: 220px; max-height: 220px; }
.actions { display: flex; justify-content: space-between; padding: 0 8px 8px; }
.actions button { background: none; border: 0; color: #2563eb; cursor: pointer; font-size: 12px; padding: 4px; }
.actions button:disabled { color: #9ca3af; cursor: default; }
.rate { padding: 14px; text-align: center; border-top: 1px solid #e5e7eb; }
.rate button.star { font-size: 24px; background: none; border: 0; cursor: pointer; color: #f59e0b; }
.rate button.again { margin-top: 8px; background: #2563eb; color: #fff; border: 0; border-radius: 8px; padding: 7px 12px; cursor: pointer; }
.rate .transcript { display: block; margin-top: 6px; }
.rate button.transcript-send { background: none; border: 0; color: #2563eb; cursor: pointer; font-size: 12px; padding: 4px; text-decoration: underline; }
.offline { background: #fef3c7; color: #92400e; font-size: 12px; padding: 4px 12px; }
.error { background: #fee2e2; color: #991b1b; font-size: 12px; padding: 4px 12px; }
.email-capture { padding: 10px 12px; border-top: 1px solid #e5e7eb; background: #f0f9ff; display: flex; flex-direction: column; gap: 6px; font-size: 13px; }
.email-capture input[type=email] { padding: 8px 10px; border: 1px solid #d1d5db; border-radius: 8px; font-size: 14px; }
.email-capture .consent { display: flex; gap: 6px; align-items: flex-start; font-size: 12px; color: #374151; }
.email-capture .actions { padding: 0; justify-content: flex-start; gap: 8px; }
.email-capture button.email-save { background: #2563eb; color: #fff; border-radius: 8px; padding: 6px 12px; }
.transcript-note { display: block; font-size: 11px; color: #6b7280; }
.md { white-space: normal; }
.md p { margin: 0; }
.md p + p, .md ul, .md ol { margin: 6px 0 0; }
.md ul, .md ol { padding-left: 20px; }
.md a { color: inherit; text-decoration: underline; }
.notice { font-size: 12px; padding: 8px 12px; border-bottom: 1px solid #e5e7eb; display: flex; flex-direction: column; gap: 2px;
  flex-shrink: 1; min-height: 0; overflow-y: auto; }
.notice.waiting { background: #eff6ff; color: #1e3a8a; }
.notice.offline-notice { background: #fff7ed; color: #7c2d12; }
.notice .hint, .email-prompt { opacity: .85; }
.email-capture { margin-top: 4px; flex-shrink: 1; min-height: 0; overflow-y: auto; }
@media (max-width: 480px) {
  .panel { inset: 0 !important; width: 100%; max-width: none; height: 100%; max-height: none; border-radius: 0; }
  .launcher.shut { display: none; }
}
.disclosure { align-self: stretch; background: #f5f3ff; color: #4c1d95; border: 1px solid #ddd6fe; border-radius: 10px; padding: 8px 10px; font-size: 12px; }
.ai-label { display: inline-block; margin-left: 6px; padding: 0 5px; border-radius: 4px; background: #7c3aed; color: #fff; font-size: 10px; font-weight: 600; letter-spacing: .03em; opacity: 1; }
`;
