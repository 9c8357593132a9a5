'use client';
// The admin entry point (`@insforge/ai-react/admin`): settings and usage widgets, kept out of the chat bundle.
export {};
