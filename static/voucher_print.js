// The printed voucher's "Print" button (no inline scripts: the CSP forbids them).
document.getElementById("print-voucher")?.addEventListener("click", () => window.print());
