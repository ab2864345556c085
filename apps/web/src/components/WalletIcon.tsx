// A wallet's EIP-6963 icon (a data: URI, drawn only through <img>), or a generic wallet glyph.

export function WalletIcon({ icon }: { icon?: string }) {
  if (icon) return <img className="wallet-icon" src={icon} alt="" width={28} height={28} />;
  return (
    <svg className="wallet-icon" viewBox="0 0 24 24" width={28} height={28} aria-hidden="true" focusable="false">
      <rect x="2.5" y="5.5" width="19" height="14" rx="3" fill="none" stroke="currentColor" strokeWidth="1.5" />
      <path d="M16 12.5h3.5" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" />
      <path d="M5 5.5l9.5-3 1.2 3" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinejoin="round" />
    </svg>
  );
}
