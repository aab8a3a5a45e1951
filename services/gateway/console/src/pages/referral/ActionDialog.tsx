import { type ReactNode, useEffect, useId, useRef } from "react";
import { useTranslation } from "react-i18next";

/**
 * A modal dialog on the native <dialog> element: showModal() traps focus inside and makes the page
 * behind it inert, Escape closes it, and on closing the browser returns focus to the button that
 * opened it. The first field gets focus when it opens.
 */
export function ActionDialog({
  title,
  open,
  onClose,
  children,
}: {
  title: string;
  open: boolean;
  onClose(): void;
  children: ReactNode;
}) {
  const { t } = useTranslation("referral");
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (open && !element.open) {
      element.showModal();
      element.querySelector<HTMLElement>("input, select, textarea, button:not(.dialog-close)")?.focus();
    } else if (!open && element.open) element.close();
  }, [open]);
  return (
    <dialog ref={dialog} aria-labelledby={titleId} className="action-dialog" onClose={onClose}>
      <div className="dialog-header">
        <h2 id={titleId}>{title}</h2>
        <button type="button" className="button secondary dialog-close" onClick={onClose}>
          {t("dialog.close")}
        </button>
      </div>
      {open ? children : null}
    </dialog>
  );
}
