// The public surface of @insforge/ai-react: names are exported one by one as the core and hooks land.
export {};
