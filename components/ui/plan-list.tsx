/** A numbered list of what an area lets its audience do. */
export function PlanList({ items }: { items: { title: string; text: string }[] }) {
  return (
    <ol className="grid gap-4 md:grid-cols-2">
      {items.map((item, index) => (
        <li key={item.title} className="rounded-xl border border-slate-200 bg-white p-5 shadow-sm">
          <p className="text-sm font-medium text-brand-700">Step {index + 1}</p>
          <h2 className="mt-1 text-lg font-semibold">{item.title}</h2>
          <p className="mt-1 text-slate-600">{item.text}</p>
        </li>
      ))}
    </ol>
  );
}
