// "What happens next": the provider's disks that use the customer's key through this DES, read live from Azure.
export function DisksUsingKey({ desName, region, disks }: { desName: string; region: string; disks: { desName: string; disks: { name: string; vmId?: string }[] }[] | null }) {
  if (disks === null) return <li>The provider&apos;s disks in {region} that use the disk encryption set {desName} are encrypted with this key; Azure could not list them just now.</li>;
  const used = disks.find((d) => d.desName === desName)?.disks ?? [];
  if (used.length === 0) return <li>No disk of the provider uses the disk encryption set {desName} yet: once the provider encrypts disks in {region} with it, they are listed here.</li>;
  return (
    <li>
      The provider&apos;s disks in {region} encrypted with this key (through {desName}):
      <ul data-testid="disks-using-key" className="mt-1 list-[circle] pl-5">
        {used.map((disk) => (
          <li key={disk.name}>
            <span className="font-mono text-xs">{disk.name}</span>
            {disk.vmId ? ` — virtual machine ${disk.vmId.split("/").pop()}` : " — not attached"}
          </li>
        ))}
      </ul>
    </li>
  );
}
