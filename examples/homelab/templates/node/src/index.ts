const name: string = "@name@";
console.log(`hello from ${name}`);
