/**
 * The dashboard's one stylesheet, sent under the page's nonce. Narrow screens (up to 640 px) get
 * one column, and tables marked `cards` turn each row into a card labelled by `data-label`.
 */
export const DASHBOARD_STYLE = `
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:12px 24px;display:flex;gap:16px;align-items:center;flex-wrap:wrap}
header a{color:#fff;text-decoration:none;font-weight:600}header form{margin:0;flex:1;min-width:0;max-width:420px}header input[type=search]{width:100%;min-width:0;border-radius:6px;border:0}
main{padding:20px 24px;max-width:1280px}h1{font-size:20px;margin:0 0 12px;overflow-wrap:anywhere}h2{font-size:16px;margin:22px 0 8px}
a{color:#2352c8}code{overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #dde1e7}
th,td{text-align:left;padding:6px 10px;border-bottom:1px solid #eceef2;vertical-align:top}th{background:#f0f2f5;font-weight:600}
td{overflow-wrap:break-word}td:first-child,td[data-label=detail]{overflow-wrap:anywhere}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;background:#e3e6eb;white-space:nowrap}
.pending{background:#e3e6eb}.running{background:#cfe3ff}.halted{background:#ffe8b3}.completed{background:#c9f0d3}.failed{background:#ffd0d0}.cancelled{background:#ddd}
pre{background:#fff;border:1px solid #dde1e7;padding:10px;overflow:auto;max-height:320px;margin:0;max-width:100%}
.timing{width:160px}.error{color:#b00020}.muted{color:#667085}
progress.bar{width:100%;height:8px;border:0;border-radius:4px;background:#eceef2;accent-color:#6c8cff;appearance:none}progress.bar::-webkit-progress-bar{background:#eceef2;border-radius:4px}progress.bar::-webkit-progress-value{background:#6c8cff;border-radius:4px}progress.bar::-moz-progress-bar{background:#6c8cff}
button{font:inherit;padding:6px 14px;margin:0 8px 8px 0;border-radius:6px;border:1px solid #98a2b3;background:#fff;cursor:pointer}
button.small{padding:1px 8px;margin:0 0 0 8px;font-size:12px}
button.primary{background:#1f7a3f;color:#fff;border-color:#1f7a3f}button.danger{color:#b00020;border-color:#b00020}
form{margin:0 0 12px;display:flex;flex-wrap:wrap;gap:8px;align-items:center}select,input,textarea{font:inherit;padding:4px 6px;max-width:100%}
input[type=search]{min-width:16em;flex:1}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:16px}.grid>div{min-width:0}
.pages{margin:12px 0}.pages a{margin-right:16px}
.notice{padding:10px 14px;border-radius:8px;margin:0 0 12px;border:1px solid #dde1e7;background:#fff}
.notice.warn{background:#fff4e5;border-color:#f5b14c}.notice.bad{background:#fff0f0;border-color:#e5a0a0}
.card{background:#fff;border:1px solid #dde1e7;border-radius:10px;padding:14px 16px;margin:0 0 16px}
.card.approval{border-left:6px solid #f5b14c}.card.failure{border-left:6px solid #b00020}
.card h2{margin:0 0 8px}.card .prompt{font-size:16px;font-weight:600;margin:0 0 10px;overflow-wrap:anywhere}
.card dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 12px;margin:0 0 12px}.card dt{color:#667085}.card dd{margin:0;overflow-wrap:anywhere}
.card textarea{width:100%;min-height:3.2em;margin:0 0 10px}
.summary{margin:0 0 12px}.summary span{margin-right:14px;white-space:nowrap}
.workers{font-size:13px;color:#667085}
.graph-box{background:#fff;border:1px solid #dde1e7;border-radius:10px;padding:8px;overflow:hidden}
svg.graph{display:block;margin:0 auto;max-width:100%;height:auto;font:12px system-ui,sans-serif}
.graph .step rect{fill:#fff;stroke:#98a2b3;stroke-width:1.2}
.graph .step.compound>rect{fill:#f7f8fb;stroke-dasharray:5 3}
.graph .step.type-end rect{fill:#f0f2f5}
.graph .step.visited rect{fill:#e7f6ec;stroke:#1f7a3f}
.graph .step.compound.visited>rect{fill:#f1faf4}
.graph .step.current rect{fill:#fff4d6;stroke:#d98a00;stroke-width:3}
.graph .step.failed rect{fill:#ffe3e3;stroke:#b00020;stroke-width:3}
.graph .step-id{font-weight:600;font-size:13px;fill:#1d2330}.graph .step-kind{fill:#667085;font-size:11px}
.graph .frame{fill:none;stroke:#c4cad4;stroke-dasharray:3 3}.graph .frame-label{fill:#667085;font-size:11px}
.graph .edge{fill:none;stroke:#98a2b3;stroke-width:1.4}.graph .edge.error{stroke:#d46a6a;stroke-dasharray:5 3}
.graph .edge.taken{stroke:#1f7a3f;stroke-width:2.6}
.graph .arrow path{fill:#98a2b3}.graph .arrow-taken path{fill:#1f7a3f}.graph .arrow-error path{fill:#d46a6a}
.graph .edge-label{font-size:11px;fill:#475467;paint-order:stroke;stroke:#fff;stroke-width:4px;stroke-linejoin:round}
.legend{font-size:12px;color:#667085;margin:6px 0 0}.legend .key{display:inline-block;width:12px;height:12px;border-radius:3px;margin:0 4px 0 10px;vertical-align:-2px;border:2px solid #98a2b3}
.legend .key.current{background:#fff4d6;border-color:#d98a00}.legend .key.visited{background:#e7f6ec;border-color:#1f7a3f}.legend .key.failed{background:#ffe3e3;border-color:#b00020}
@media (max-width:640px){
main{padding:14px 10px}header{padding:10px}
.grid{grid-template-columns:1fr}
table.cards,table.cards tbody,table.cards tr,table.cards td{display:block;width:100%}
table.cards{border:0;background:none}
table.cards thead{display:none}
table.cards tr{background:#fff;border:1px solid #dde1e7;border-radius:8px;margin:0 0 8px;padding:4px 0}
table.cards td{border:0;padding:3px 12px;text-align:right;overflow-wrap:anywhere}
table.cards td::before{content:attr(data-label);color:#667085;float:left;margin-right:12px}
table.cards td:empty,table.cards td.zero{display:none}
.timing{width:auto}
}
`;
