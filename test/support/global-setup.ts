// Placeholder: replaced by the database global setup (foundation).
export default async function setup(): Promise<void> {}
