// The public surface of @insforge/ai-server: names are exported one by one.
export {};
