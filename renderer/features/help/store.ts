import { create } from 'zustand';

/** Whether the help panel (the AppLayout's tools drawer) is open. */
interface HelpState {
  open: boolean;
  setOpen(open: boolean): void;
}

export const useHelpStore = create<HelpState>()((set) => ({
  open: false,
  setOpen: (open) => set({ open }),
}));
